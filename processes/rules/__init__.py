"""GB 30871-2022 rules as data, with pure evaluation functions.

The numbers live in `processes/rules/data/*.json`, each next to its clause; the modules
here load them and judge inputs. Nothing in this package touches the database, the web
layer or the engine: callers pass in everything, including the current time.

- `gases`: gas table (LEL, molecular weight, GBZ 2.1 limits) and unit conversion.
- `gas_test`: verdicts on gas-test readings (5.3.2, 5.3.4, 6.3, 6.4).
- `retest`: when a gas test must be repeated (5.3.4, 6.3, 6.5).
- `calendar`: holidays, rest days and night in the plant's time zone (5.1.1).
- `hot_work`: grades, validity, upgrade reasons, Form A.1 checklist (clause 5).
- `standard`: the standard's identity and the eight permit types.
- `errors`: `RuleError` and its data-carrying subclasses.
- `work_at_height`, `lifting`, `excavation`, `road_closure`: height bands and objective
  risk factors, mass bands and tandem lifts, what counts as 动土 and when the
  confined-space rules apply, countersigning departments (clauses 8, 9, 11, 12).
- `weather`: weather conditions and the bans on work at height and lifting.
"""
