"""Tables, the queries over them, and the rules of the three indicators."""
