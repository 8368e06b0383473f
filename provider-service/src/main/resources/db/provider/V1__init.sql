-- provider-service keeps cached model lists per credential; the schema exists so the service owns one.
CREATE TABLE model_cache (
  credential_id uuid NOT NULL,
  provider text NOT NULL,
  models jsonb NOT NULL,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (credential_id)
);
