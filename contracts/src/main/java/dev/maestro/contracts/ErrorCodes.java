package dev.maestro.contracts;

/**
 * Failure codes carried by {@code ServiceException.failureCode()}. They mirror HTTP statuses so the
 * gateway's single mapping stays obvious; services never pick HTTP statuses themselves.
 */
public final class ErrorCodes {
  private ErrorCodes() {}

  public static final int BAD_REQUEST = 400;
  public static final int UNAUTHORIZED = 401;
  public static final int FORBIDDEN = 403;
  public static final int NOT_FOUND = 404;
  public static final int CONFLICT = 409;
  public static final int GONE = 410;
  /**
   * The live copy of a session that answered is no longer its owner: another node took the session
   * over (its owner epoch in PostgreSQL is newer), so nothing was written or run. Retry: the request
   * reaches the current owner (421 Misdirected Request).
   */
  public static final int STALE_OWNER = 421;
  public static final int TOO_MANY = 429;
  public static final int UNAVAILABLE = 503;
  public static final int UPSTREAM = 502;
}
