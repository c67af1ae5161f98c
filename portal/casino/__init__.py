"""The casino door: BETCORE's WebFrame for players and the operator API BETCORE calls."""
