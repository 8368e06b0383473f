-- Graceful drain (issue 17): a turn whose only outstanding work is the user's decision on tool
-- approvals is handed to the next owner instead of waiting on the draining node. Its waiting state
-- (round, the turn's session copy and offered tools, the round's tool calls, the results of the calls
-- that finished, the calls still waiting and since when) is stored here by the draining owner, under
-- its owner epoch; the next activation takes it (and clears it) instead of storing the turn as
-- interrupted. NULL: nothing parked (every other running turn).
ALTER TABLE turn ADD COLUMN parked jsonb;
