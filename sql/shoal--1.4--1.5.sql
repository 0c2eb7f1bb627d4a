-- shoal 1.4 -> 1.5: adopting a pg-mig fleet without surprises (issue 16). What
-- changed and why is in docs/architecture.md, "Extension 1.5"; this script holds
-- the SQL side.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.5'" to load this file. \quit
