"""A site's pool on one line: a sparkline of the weeks past and the forecast, and its dates."""

from __future__ import annotations

from rich.text import Text

from voiceconsole.domain.forecast import sparkline
from voiceconsole.domain.words import counted
from voiceconsole.services.forecast import PoolForecast


def _low(forecast: PoolForecast) -> Text:
    """When the pool is forecast LOW: red when it is, yellow within the warning days."""
    days = forecast.days_to_low
    if days is None:
        return Text("LOW > 10 years")
    if days == 0:
        return Text("LOW now", style="bold red")
    return Text(f"LOW in {counted(days, 'day')}", style="bold yellow" if forecast.warning else "")


def pool_chart(forecast: PoolForecast) -> Text:
    """`Pool ▇▇▆▅│▄▄▃▂  440 available · −4.7/week · LOW in 653 days`: the weeks read from
    the journal up to today, a bar, the weeks forecast (dim), all on one scale; it fits 80
    columns."""
    past = [w.available for w in forecast.weeks if not w.forecast]
    ahead = [w.available for w in forecast.weeks if w.forecast]
    top = max([*past, *ahead, 1.0])
    line = Text("Pool ", style="bold")
    line.append(sparkline(past, top))
    line.append("│", style="dim")
    line.append(sparkline(ahead, top), style="dim")
    # −: numbers taken a week (the rate; what comes back from cooldown is in the forecast).
    line.append(f"  {forecast.available:,} available · −{forecast.rate_a_week:.1f}/week · ")
    line.append_text(_low(forecast))
    return line
