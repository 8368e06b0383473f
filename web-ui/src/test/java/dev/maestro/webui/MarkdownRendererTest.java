package dev.maestro.webui;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MarkdownRendererTest {

  @Test
  void scriptAndBoldTagsAreShownAsText() {
    String html = MarkdownRenderer.render("Hi <script>alert(1)</script> and <b>bold</b>");
    assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;").contains("&lt;b&gt;bold&lt;/b&gt;");
    assertThat(html).doesNotContain("<script").doesNotContain("<b>");
  }

  @Test
  void htmlBlocksAreEscapedToo() {
    String html = MarkdownRenderer.render("<div onclick=\"x()\">\n<img src=x onerror=alert(1)>\n</div>");
    assertThat(html).doesNotContain("<div").doesNotContain("<img").contains("&lt;img src=x onerror=alert(1)&gt;");
  }

  @Test
  void markdownStillRenders() {
    String html = MarkdownRenderer.render("# Title\n\n**strong** and `code` and [link](https://example.com)");
    assertThat(html).contains("<h1>Title</h1>").contains("<strong>strong</strong>").contains("<code>code</code>")
        .contains("href=\"https://example.com\"").contains(">link</a>");
  }

  @Test
  void javascriptLinksAreNeutralised() {
    String html = MarkdownRenderer.render("[click](javascript:alert(1)) ![img](javascript:alert(2))");
    assertThat(html).doesNotContain("javascript:");
  }

  @Test
  void codeBlocksGetACopyButtonAndEscapedContent() {
    String html = MarkdownRenderer.render("```java\nSystem.out.println(\"<hi>\");\n```\n");
    assertThat(html).contains("<div class=\"code\"><button type=\"button\" class=\"copy\"")
        .contains(">Copy</button>")
        .contains("<code class=\"language-java\">System.out.println(&quot;&lt;hi&gt;&quot;);")
        .doesNotContain("<hi>");
  }

  @Test
  void codeBlockLanguageCannotBreakOutOfTheAttribute() {
    String html = MarkdownRenderer.render("```\"><script>x\nbody\n```\n");
    assertThat(html).doesNotContain("<script").contains("language-&quot;&gt;&lt;script&gt;x");
  }

  @Test
  void indentedCodeBlocksGetACopyButton() {
    assertThat(MarkdownRenderer.render("para\n\n    indented <code>\n")).contains("class=\"copy\"").contains("indented &lt;code&gt;");
  }

  @Test
  void emptyTextRendersNothing() {
    assertThat(MarkdownRenderer.render(null)).isEmpty();
    assertThat(MarkdownRenderer.render("")).isEmpty();
  }
}
