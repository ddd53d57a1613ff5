-- tests/packs/attacks/lib/late.lua — a pack file nothing requires while the
-- pack loads; a check that requires it must be refused.
return { loaded = true }
