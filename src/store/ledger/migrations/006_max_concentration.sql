-- The largest share of equity one symbol may hold after an order (|position| × price ÷ equity; 0.25 = 25 %).
-- NULL = no limit, which every existing account keeps: a cap chosen for the user would reject orders that passed
-- before. No CHECK here: DuckDB cannot add a column with a constraint; the one write path (setLimits) takes only
-- values > 0.
ALTER TABLE accounts ADD COLUMN max_concentration DECIMAL(20, 6);
