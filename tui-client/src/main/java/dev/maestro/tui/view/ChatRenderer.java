package dev.maestro.tui.view;

import dev.maestro.tui.view.ChatModel.AssistantBlock;
import dev.maestro.tui.view.ChatModel.Block;
import dev.maestro.tui.view.ChatModel.NoticeBlock;
import dev.maestro.tui.view.ChatModel.ToolBlock;
import dev.maestro.tui.view.ChatModel.UserBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays the conversation out as terminal lines for a width. Plain text with no side borders, so
 * what is selected in the terminal copies as the message. Tool results are cut to a few lines.
 */
public final class ChatRenderer {
  static final int MAX_RESULT_LINES = 8;
  private static final List<Span> INDENT = List.of(Span.of("  ", Tone.NORMAL));

  private ChatRenderer() {}

  public static List<StyledLine> render(ChatModel model, int width, boolean showThinking) {
    List<StyledLine> out = new ArrayList<>();
    Block previous = null;
    for (Block b : model.blocks()) {
      // a tool call stays attached to the assistant message (or tool call) it belongs to
      boolean attached = b instanceof ToolBlock && (previous instanceof AssistantBlock || previous instanceof ToolBlock);
      if (!out.isEmpty() && !attached) {
        out.add(StyledLine.EMPTY);
      }
      previous = b;
      if (b instanceof UserBlock u) {
        out.add(StyledLine.of(Span.bold("you", Tone.USER)));
        out.addAll(Wrapper.wrap(List.of(Span.of(u.text.toString(), Tone.NORMAL)), width, INDENT, INDENT));
      } else if (b instanceof AssistantBlock a) {
        boolean streaming = "streaming".equals(a.status);
        out.add(StyledLine.of(Span.bold("assistant", Tone.ASSISTANT),
            Span.of(streaming ? "  …" : "", Tone.DIM)));
        if (a.thinking.length() > 0) {
          if (showThinking) {
            out.addAll(Wrapper.wrap(List.of(new Span(a.thinking.toString(), Tone.THINKING, false, true)), width,
                List.of(Span.of("  ┊ ", Tone.THINKING)), List.of(Span.of("  ┊ ", Tone.THINKING))));
          } else {
            out.addAll(Wrapper.wrap(List.of(Span.of("▸ thinking (" + a.thinking.length() + " chars, Ctrl+T to show)",
                Tone.THINKING)), width, INDENT, INDENT));
          }
        }
        if (a.text.length() == 0) {
          continue;
        }
        for (StyledLine l : MarkdownToTerminal.render(a.text.toString(), Math.max(10, width - 2))) {
          List<Span> spans = new ArrayList<>(INDENT);
          spans.addAll(l.spans());
          out.add(StyledLine.compact(spans));
        }
      } else if (b instanceof ToolBlock t) {
        tool(t, width, out);
      } else if (b instanceof ChatModel.ElicitationBlock e) {
        elicitation(e, width, out);
      } else if (b instanceof NoticeBlock n) {
        out.addAll(Wrapper.wrap(List.of(Span.of(n.text(), n.tone())), width, List.of(), INDENT));
      }
    }
    return out;
  }

  private static void elicitation(ChatModel.ElicitationBlock e, int width, List<StyledLine> out) {
    out.addAll(Wrapper.wrap(List.of(Span.bold("? " + e.server + " asks: ", Tone.APPROVAL), Span.of(e.message, Tone.NORMAL)),
        width, List.of(), INDENT));
    for (ChatModel.FormField f : e.fields) {
      String value = f.defaultValue() == null ? "(no default)" : String.valueOf(f.defaultValue());
      List<Span> line = new ArrayList<>(List.of(Span.of(f.name() + (f.required() ? "*" : ""), Tone.TOOL),
          Span.of(" (" + f.type() + ") = ", Tone.DIM), Span.of(value, Tone.NORMAL)));
      if (f.description() != null) {
        line.add(Span.of("  " + f.description(), Tone.DIM));
      }
      out.addAll(Wrapper.wrap(line, width, INDENT, List.of(Span.of("    ", Tone.NORMAL))));
    }
    String outcome = e.outcome == null ? null : switch (e.outcome) {
      case "accept" -> "elicitation: accepted";
      case "decline" -> "elicitation: declined";
      default -> "elicitation: cancelled";
    };
    if (outcome == null) {
      out.addAll(Wrapper.wrap(List.of(Span.bold("[a] accept these values  [d] decline  (/accept name=value … to change some)",
          Tone.APPROVAL)), width, INDENT, INDENT));
    } else {
      out.addAll(Wrapper.wrap(List.of(Span.of(outcome, Tone.DIM)), width, INDENT, INDENT));
    }
  }

  private static void tool(ToolBlock t, int width, List<StyledLine> out) {
    List<Span> head = List.of(Span.bold("  tool ", Tone.TOOL), Span.bold(t.name == null ? "?" : t.name, Tone.TOOL),
        Span.of(" ", Tone.TOOL), Span.of(t.arguments, Tone.DIM));
    out.addAll(Wrapper.wrap(head, width, List.of(), List.of(Span.of("    ", Tone.NORMAL))));
    if (t.subagentSessionId != null) {
      // one collapsed line: the child's own view is its session (maestro can open it by id)
      String line = "▸ sub-agent “" + t.subagentDescription + "” · " + t.subagentStatus + " · " + t.subagentChars
          + " chars · session " + t.subagentSessionId;
      out.addAll(Wrapper.wrap(List.of(Span.of(line, Tone.DIM)), width, INDENT, INDENT));
    }
    switch (t.approval) {
      case PENDING -> out.addAll(Wrapper.wrap(List.of(Span.bold("! approval required: [y] allow  [n] deny",
          Tone.APPROVAL)), width, INDENT, INDENT));
      case ALLOWED -> out.addAll(Wrapper.wrap(List.of(Span.of("approval: allowed", Tone.DIM)), width, INDENT, INDENT));
      case DENIED -> out.addAll(Wrapper.wrap(List.of(Span.of("approval: denied", Tone.DIM)), width, INDENT, INDENT));
      default -> { }
    }
    if (t.result != null) {
      String[] lines = t.result.split("\n", -1);
      Tone tone = t.isError ? Tone.ERROR : Tone.NORMAL;
      List<Span> first = List.of(Span.of(t.isError ? "  ✗ " : "  → ", tone));
      List<Span> rest = List.of(Span.of("    ", tone));
      int shown = Math.min(lines.length, MAX_RESULT_LINES);
      for (int i = 0; i < shown; i++) {
        out.addAll(Wrapper.wrap(List.of(Span.of(lines[i], tone)), width, i == 0 ? first : rest, rest));
      }
      if (lines.length > shown) {
        out.addAll(Wrapper.wrap(List.of(Span.of("… " + (lines.length - shown) + " more lines", Tone.DIM)), width,
            rest, rest));
      }
    } else if (t.approval != ChatModel.Approval.PENDING) {
      out.addAll(Wrapper.wrap(List.of(Span.of("→ running…", Tone.DIM)), width, INDENT, INDENT));
    }
  }
}
