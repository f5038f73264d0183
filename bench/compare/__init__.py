"""Side-by-side benchmarks of Postamt against Dovecot and Postfix (issue 7)."""
