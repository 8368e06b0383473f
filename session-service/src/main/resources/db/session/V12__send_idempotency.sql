-- A client-supplied idempotency key per sent message: a resend with the same key (same session, so the
-- same user) answers with the first message's ids instead of starting a second turn. The primary key is
-- the guard across nodes (two owners during a split both try to insert; one transaction fails).
CREATE TABLE send_key (
  session_id uuid NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL,
  message_id uuid NOT NULL,
  turn_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, idempotency_key)
);
