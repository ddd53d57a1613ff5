--tenant
return { tenant = 5, jurisdictions = { "*", "" }, params = { 1, x = 2 }, waivers = { [1] = "x", a = "short" },
  limits = { instructions = -1, memory_mb = 1.5, bogus = 1 }, rules = {} }
--8<--
