-- Webhooks for integrators (BUS.md): admin-configured URLs that receive the public lifecycle events
-- of maestro.events as signed JSON POSTs. The secret is the HMAC key the gateway signs with, so it
-- is kept (it is shown to the admin once, at creation, and never returned again).
CREATE TABLE webhook (
  id uuid PRIMARY KEY,
  url text NOT NULL,
  secret text NOT NULL,
  -- event types this webhook receives; empty: every type
  types text[] NOT NULL DEFAULT '{}',
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The durable outbox: one row per (webhook, event), written when the gateway receives the event and
-- delivered in id order per webhook, retried with exponential backoff; a row that used up its
-- attempts is 'failed' (kept, and shown) and the next one goes. payload holds the exact bytes signed.
CREATE TABLE webhook_delivery (
  id bigserial PRIMARY KEY,
  webhook_id uuid NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_attempt_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  -- several gateways may receive the same published event: it is queued once
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_delivery_pending ON webhook_delivery (webhook_id, id) WHERE status = 'pending';
CREATE INDEX webhook_delivery_done ON webhook_delivery (done_at) WHERE status <> 'pending';
