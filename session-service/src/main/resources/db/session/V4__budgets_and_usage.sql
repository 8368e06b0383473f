-- Budgets enforced before each provider request, and the usage ledger (issue 16, part 5).
-- Money is counted in micro-USD (bigint): exact sums, no float drift between reserve and settle.

-- An admin's monthly budget for one user (UTC calendar month). No row: no monthly limit.
CREATE TABLE budget_user (
  user_id text PRIMARY KEY,
  monthly_micros bigint NOT NULL CHECK (monthly_micros >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What has been spent and what is held for requests in flight, per account:
-- 'user:<userId>:<yyyy-mm>' (the user's month) or 'session:<sessionId>' (the session's whole life).
-- A reservation is a conditional UPDATE of these rows (spent + reserved + amount <= limit), so two
-- requests racing for the last dollar are serialized by the row lock and cannot both pass.
CREATE TABLE budget_account (
  account text PRIMARY KEY,
  spent_micros bigint NOT NULL DEFAULT 0,
  reserved_micros bigint NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0)
);

-- One row per request in flight: settled (deleted) when it ends; a row left by a node that died is
-- released by the sweeper after MAESTRO_BUDGET_RESERVATION_TTL_SECONDS.
CREATE TABLE budget_reservation (
  id uuid PRIMARY KEY,
  user_account text NOT NULL,
  session_account text NOT NULL,
  amount_micros bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX budget_reservation_age ON budget_reservation (created_at);

-- Usage per user, UTC day and model (what GET /api/v1/usage groups). unpriced_requests: requests to a
-- model the price table does not know, counted at $0.
CREATE TABLE usage_daily (
  user_id text NOT NULL,
  day date NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cache_read_tokens bigint NOT NULL DEFAULT 0,
  cache_write_tokens bigint NOT NULL DEFAULT 0,
  cost_micros bigint NOT NULL DEFAULT 0,
  unpriced_requests bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, day, provider, model)
);
CREATE INDEX usage_daily_by_day ON usage_daily (day);
