"""Planning a day of rides: which driver and vehicle takes which ride, as pure functions over plain data.

``problem`` holds the contract (jobs, drivers, vehicles in; a plan out), ``greedy`` the simple baseline, ``solver``
the PyVRP model, ``checker`` an independent check of any plan, ``generator`` realistic days for tests and the bench.
Nothing here reads or writes the database: the fleet's services build the problem and apply the plan.
"""
