"""Exchange rates: the dated rate table (day, currency, units per euro) and conversions through it.

Core layer: both fact sources (billing's Stripe revenue, margins' cost events) convert with it,
so it imports neither. `rates` is pure (parsing the ECB file, the rate book, the one rounding);
`selectors` reads the table into a rate book; `services` writes it; `tasks` fetches the daily
file when FX_RATES_URL is set. See docs/currencies.md.
"""
