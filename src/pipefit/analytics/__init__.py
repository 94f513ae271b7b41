"""Pipeline and KPI tables computed set at a time over Arrow data drawn from the store.

Functions here take plain values and Arrow tables (never a database connection), so that
they are tested on small hand-made tables and fed by any store.

- `status`: the workspace summary (deals per stage and segment, open and won amounts).
- `capacity`: bookings, revenue per rep and meetings per week for capacity planning.
"""
