"""The sportsbook door: Betsy's iframe for players and the signed operator API Betsy calls."""
