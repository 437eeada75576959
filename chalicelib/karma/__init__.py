"""Customer karma: agents rate customers (literacy, temperament); a stream handler keeps each customer's
recency-weighted karma; routing reads it. Karma and agents' notes never reach anything a customer sees.

Modules: `models` (tables), `scores` (the karma arithmetic, pure), `policy` (routing decisions, pure:
the app and the routing simulation share it), `ratings` (rate, correct, void), `update` (the stream
handler), `routing` (karma read at intake and at take-next), `privacy` (export and erase).
"""
