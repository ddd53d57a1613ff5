-- tests/packs/attacks/lib/tally.lua — a module mutation.lua requires at
-- load time and keeps nowhere: a check that requires it again gets the
-- same table, which must be frozen like the rest of the pack.
return { n = 0 }
