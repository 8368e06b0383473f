package dev.maestro.tui.app;

/** What the keyboard drives: the chat and its input, the session list, or a one-line question. */
public enum Mode { CHAT, SESSIONS, PROMPT }
