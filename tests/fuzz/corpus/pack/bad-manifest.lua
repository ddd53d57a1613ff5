return { name = "Bad Name", version = 3, jurisdiction = "us-tx", title = {}, colour = "red",
  effective_from = "2026-13-01", effective_until = "2025-01-01", params = 1, rules = "nope.lua" }
--8<--
rule { }
