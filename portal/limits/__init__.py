"""Responsible gambling: the limits players set, time-outs, self-exclusion and closure.

One rule in one place: `rules` says who may play (doors call it with the player's row),
`checks` enforces limits before money moves (the wallet calls it for every stake of a
flagged account, the cashier for every deposit), `operations` changes limits and
exclusions for the player's pages and the operators' commands, keeping who and when.
"""
