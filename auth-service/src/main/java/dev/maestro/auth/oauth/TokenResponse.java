package dev.maestro.auth.oauth;

/** A successful token grant. refreshToken is null when the server did not rotate it. */
public record TokenResponse(String accessToken, String refreshToken, Long expiresIn) {
  @Override
  public String toString() {
    return "TokenResponse[expiresIn=" + expiresIn + "]";
  }
}
