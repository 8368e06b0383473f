package dev.maestro.contracts;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The failure codes mirror HTTP statuses: the gateway maps them one to one. */
class ErrorCodesTest {
  @Test
  void everyCodeIsADistinctHttpErrorStatus() throws Exception {
    List<Integer> codes = new ArrayList<>();
    for (Field f : ErrorCodes.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) codes.add(f.getInt(null));
    }
    assertThat(codes).isNotEmpty().doesNotHaveDuplicates().allMatch(c -> c >= 400 && c <= 599);
  }

  @Test
  void theCodesAreTheirHttpNamesakes() {
    assertThat(ErrorCodes.BAD_REQUEST).isEqualTo(400);
    assertThat(ErrorCodes.UNAUTHORIZED).isEqualTo(401);
    assertThat(ErrorCodes.FORBIDDEN).isEqualTo(403);
    assertThat(ErrorCodes.NOT_FOUND).isEqualTo(404);
    assertThat(ErrorCodes.CONFLICT).isEqualTo(409);
    assertThat(ErrorCodes.GONE).isEqualTo(410);
    assertThat(ErrorCodes.TOO_MANY).isEqualTo(429);
    assertThat(ErrorCodes.UPSTREAM).isEqualTo(502);
    assertThat(ErrorCodes.UNAVAILABLE).isEqualTo(503);
  }
}
