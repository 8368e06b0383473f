-- Sub-agents are bounded by their parents' budgets (issue 16): a child's provider request is held
-- against the session budget of every ancestor too. ancestor_accounts: the ancestors' budget_account
-- rows this reservation holds (nearest first), released or charged with it (settle and sweep).
ALTER TABLE budget_reservation ADD COLUMN ancestor_accounts text[] NOT NULL DEFAULT '{}';
