package dev.maestro.tui.view;

import java.util.ArrayList;
import java.util.List;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.BlockQuote;
import org.commonmark.node.BulletList;
import org.commonmark.node.Code;
import org.commonmark.node.Emphasis;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Image;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.ListItem;
import org.commonmark.node.Node;
import org.commonmark.node.OrderedList;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.StrongEmphasis;
import org.commonmark.node.Text;
import org.commonmark.node.ThematicBreak;
import org.commonmark.parser.Parser;

/**
 * Turns markdown into styled terminal lines: headings bold, emphasis italic/bold, inline code and
 * code blocks in the code tone (code blocks never re-flowed, so they copy cleanly), lists with
 * bullets or numbers and hanging indents, quotes with a bar. Text is wrapped to the width.
 */
public final class MarkdownToTerminal {
  private static final Parser PARSER = Parser.builder().build();

  private MarkdownToTerminal() {}

  public static List<StyledLine> render(String markdown, int width) {
    Node doc = PARSER.parse(markdown == null ? "" : markdown);
    List<StyledLine> out = new ArrayList<>();
    renderBlocks(doc, width, List.of(), List.of(), out);
    // drop a trailing blank line left by the last block
    while (!out.isEmpty() && out.get(out.size() - 1).length() == 0) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** Renders the children of {@code parent}; firstPrefix applies to the very first line only. */
  private static void renderBlocks(Node parent, int width, List<Span> firstPrefix, List<Span> restPrefix,
      List<StyledLine> out) {
    boolean first = true;
    for (Node block = parent.getFirstChild(); block != null; block = block.getNext()) {
      List<Span> fp = first ? firstPrefix : restPrefix;
      int before = out.size();
      renderBlock(block, width, fp, restPrefix, out);
      if (out.size() > before) {
        first = false;
      }
      boolean tight = parent instanceof ListItem li && li.getParent() instanceof org.commonmark.node.ListBlock lb && lb.isTight();
      if (block.getNext() != null && !tight && !(block instanceof org.commonmark.node.ListBlock && parent instanceof ListItem)) {
        out.add(new StyledLine(List.copyOf(restPrefix)));
      }
    }
  }

  private static void renderBlock(Node block, int width, List<Span> firstPrefix, List<Span> restPrefix,
      List<StyledLine> out) {
    if (block instanceof Paragraph) {
      out.addAll(Wrapper.wrap(inline(block, Tone.NORMAL, false, false), width, firstPrefix, restPrefix));
    } else if (block instanceof Heading h) {
      List<Span> text = new ArrayList<>();
      text.add(Span.bold("#".repeat(h.getLevel()) + " ", Tone.HEADING));
      text.addAll(inline(h, Tone.HEADING, true, false));
      out.addAll(Wrapper.wrap(text, width, firstPrefix, restPrefix));
    } else if (block instanceof FencedCodeBlock code) {
      String info = code.getInfo() == null ? "" : code.getInfo().trim();
      codeLines(code.getLiteral(), info, width, firstPrefix, restPrefix, out);
    } else if (block instanceof IndentedCodeBlock code) {
      codeLines(code.getLiteral(), "", width, firstPrefix, restPrefix, out);
    } else if (block instanceof BulletList list) {
      int depth = depth(list);
      String bullet = depth % 2 == 0 ? "• " : "◦ ";
      items(list, bullet, -1, width, firstPrefix, restPrefix, out);
    } else if (block instanceof OrderedList list) {
      Integer start = list.getMarkerStartNumber();
      items(list, null, start == null ? 1 : start, width, firstPrefix, restPrefix, out);
    } else if (block instanceof BlockQuote) {
      List<Span> fp = append(firstPrefix, Span.of("│ ", Tone.QUOTE));
      List<Span> rp = append(restPrefix, Span.of("│ ", Tone.QUOTE));
      renderBlocks(block, width, fp, rp, out);
    } else if (block instanceof ThematicBreak) {
      int len = Math.max(3, Math.min(40, width - prefixLen(firstPrefix)));
      out.add(StyledLine.compact(append(firstPrefix, Span.of("─".repeat(len), Tone.DIM))));
    } else if (block instanceof HtmlBlock html) {
      out.addAll(Wrapper.wrap(List.of(Span.of(html.getLiteral().stripTrailing(), Tone.NORMAL)), width, firstPrefix,
          restPrefix));
    } else {
      renderBlocks(block, width, firstPrefix, restPrefix, out);
    }
  }

  private static void items(Node list, String bullet, int number, int width, List<Span> firstPrefix,
      List<Span> restPrefix, List<StyledLine> out) {
    boolean first = true;
    int n = number;
    for (Node item = list.getFirstChild(); item != null; item = item.getNext()) {
      String marker = bullet != null ? bullet : (n++) + ". ";
      List<Span> fp = append(first ? firstPrefix : restPrefix, Span.of(marker, Tone.DIM));
      List<Span> rp = append(restPrefix, Span.of(" ".repeat(marker.length()), Tone.NORMAL));
      renderBlocks(item, width, fp, rp, out);
      first = false;
    }
  }

  private static void codeLines(String literal, String info, int width, List<Span> firstPrefix,
      List<Span> restPrefix, List<StyledLine> out) {
    String body = literal.endsWith("\n") ? literal.substring(0, literal.length() - 1) : literal;
    boolean first = true;
    if (!info.isEmpty()) {
      out.add(StyledLine.compact(append(firstPrefix, Span.of("  [" + info + "]", Tone.DIM))));
      first = false;
    }
    for (String line : body.split("\n", -1)) {
      List<Span> fp = append(first ? firstPrefix : restPrefix, Span.of("  ", Tone.CODE));
      List<Span> rp = append(restPrefix, Span.of("  ", Tone.CODE));
      out.addAll(Wrapper.wrap(List.of(Span.of(line.isEmpty() ? " " : line, Tone.CODE)), width, fp, rp));
      first = false;
    }
  }

  private static int depth(Node list) {
    int d = 0;
    for (Node p = list.getParent(); p != null; p = p.getParent()) {
      if (p instanceof BulletList || p instanceof OrderedList) {
        d++;
      }
    }
    return d;
  }

  private static List<Span> inline(Node parent, Tone tone, boolean bold, boolean italic) {
    List<Span> spans = new ArrayList<>();
    parent.accept(new AbstractVisitor() {
      boolean b = bold;
      boolean it = italic;

      @Override
      public void visit(Text text) {
        spans.add(new Span(text.getLiteral(), tone, b, it));
      }

      @Override
      public void visit(Code code) {
        spans.add(new Span(code.getLiteral(), Tone.CODE, b, it));
      }

      @Override
      public void visit(Emphasis emphasis) {
        boolean old = it;
        it = true;
        visitChildren(emphasis);
        it = old;
      }

      @Override
      public void visit(StrongEmphasis strong) {
        boolean old = b;
        b = true;
        visitChildren(strong);
        b = old;
      }

      @Override
      public void visit(SoftLineBreak softLineBreak) {
        spans.add(new Span(" ", tone, b, it));
      }

      @Override
      public void visit(HardLineBreak hardLineBreak) {
        spans.add(new Span("\n", tone, b, it));
      }

      @Override
      public void visit(Link link) {
        int before = spans.size();
        visitChildren(link);
        for (int i = before; i < spans.size(); i++) {
          Span s = spans.get(i);
          spans.set(i, new Span(s.text(), Tone.LINK, s.bold(), s.italic()));
        }
        String label = join(spans.subList(before, spans.size()));
        if (!label.equals(link.getDestination())) {
          spans.add(Span.of(" (" + link.getDestination() + ")", Tone.DIM));
        }
      }

      @Override
      public void visit(Image image) {
        spans.add(Span.of("[image: ", Tone.DIM));
        visitChildren(image);
        spans.add(Span.of("]", Tone.DIM));
      }

      @Override
      public void visit(HtmlInline html) {
        spans.add(new Span(html.getLiteral(), tone, b, it));
      }
    });
    return spans;
  }

  private static String join(List<Span> spans) {
    StringBuilder sb = new StringBuilder();
    spans.forEach(s -> sb.append(s.text()));
    return sb.toString();
  }

  private static List<Span> append(List<Span> prefix, Span s) {
    List<Span> all = new ArrayList<>(prefix);
    all.add(s);
    return all;
  }

  private static int prefixLen(List<Span> prefix) {
    int n = 0;
    for (Span s : prefix) {
      n += s.text().length();
    }
    return n;
  }
}
