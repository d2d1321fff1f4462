"""treatyledger.inspect: verification by inspection (pure: no I/O, randomness passed in).

- ``statistics``: exact hypergeometric detection probability, smallest sample for a goal with
  the IAEA approximation beside it, stratified plans, Bayesian confidence after clean
  inspections;
- ``games``: zero-sum matrix games, Dresher's recursive inspection game, the game with false
  alarms and inspector leadership;
- ``sequential``: Wald's SPRT, Page's CUSUM and its average run lengths;
- ``materials``: MUF, sigma-MUF, SITMUF, the D statistic;
- ``randomness``: commit-then-reveal joint randomness that names the party at fault;
- ``selection``: quotas per treaty year, eligibility, verifiable selection of site and items;
- ``findings``: inspection records reconciled with the declared state into compliance issues;
- ``simulation``: vectorised Monte Carlo of treaty years against cheating strategies.
"""
