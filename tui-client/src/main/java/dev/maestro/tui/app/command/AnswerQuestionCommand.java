package dev.maestro.tui.app.command;

import dev.maestro.tui.view.ChatModel;
import java.util.List;

/** {@code /accept [name=value …]} and {@code /decline}: answer the question a tool is asking. */
final class AnswerQuestionCommand implements SlashCommand {
  private final String name;

  AnswerQuestionCommand(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void run(String args, CommandContext ctx) {
    ChatModel.ElicitationBlock question = ctx.state().chat.pendingElicitation();
    if (question == null) {
      ctx.state().error("no question from a tool is waiting");
      return;
    }
    ctx.answerElicitation(question, name.substring(1), args.isBlank() ? List.of() : List.of(args.split("\\s+")));
  }
}
