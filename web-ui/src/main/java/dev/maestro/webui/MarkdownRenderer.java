package dev.maestro.webui;

import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.NodeRenderer;
import org.commonmark.renderer.html.HtmlNodeRendererContext;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.HtmlWriter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Model and user text → safe HTML. Raw HTML in the text is escaped (shown as text, never
 * interpreted), link and image URLs are sanitized (no {@code javascript:}), and every code block
 * gets a copy button. The output is the only HTML the templates insert unescaped.
 */
public final class MarkdownRenderer {
  private static final Parser PARSER = Parser.builder().build();
  private static final HtmlRenderer RENDERER = HtmlRenderer.builder()
      .escapeHtml(true)
      .sanitizeUrls(true)
      .nodeRendererFactory(CodeBlockRenderer::new)
      .build();

  private MarkdownRenderer() {}

  public static String render(String markdown) {
    if (markdown == null || markdown.isEmpty()) return "";
    return RENDERER.render(PARSER.parse(markdown));
  }

  /** Code blocks as {@code <div class="code"><button>Copy</button><pre><code>…</code></pre></div>}. */
  private static final class CodeBlockRenderer implements NodeRenderer {
    private final HtmlWriter html;

    CodeBlockRenderer(HtmlNodeRendererContext context) {
      this.html = context.getWriter();
    }

    @Override
    public Set<Class<? extends Node>> getNodeTypes() {
      return Set.of(FencedCodeBlock.class, IndentedCodeBlock.class);
    }

    @Override
    public void render(Node node) {
      String code;
      String lang = null;
      if (node instanceof FencedCodeBlock f) {
        code = f.getLiteral();
        String info = f.getInfo();
        if (info != null && !info.isBlank()) lang = info.trim().split("\\s+")[0];
      } else {
        code = ((IndentedCodeBlock) node).getLiteral();
      }
      html.line();
      html.tag("div", Map.of("class", "code"));
      Map<String, String> button = new LinkedHashMap<>();
      button.put("type", "button");
      button.put("class", "copy");
      html.tag("button", button);
      html.text("Copy");
      html.tag("/button");
      html.tag("pre");
      Map<String, String> attrs = new LinkedHashMap<>();
      if (lang != null) attrs.put("class", "language-" + lang);
      html.tag("code", attrs);
      html.text(code);
      html.tag("/code");
      html.tag("/pre");
      html.tag("/div");
      html.line();
    }
  }
}
