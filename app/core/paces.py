"""The activities and running paces every layer names: request and response models, the dataset's tours, the
tour endpoint's query and the planner's preset table."""

from __future__ import annotations

from typing import Literal

Activity = Literal["walk", "run"]
Pace = Literal["easy", "steady", "tempo"]
# Minutes per kilometre: walking, then each running pace (see app.routing.planner).
PACE_PRESETS: dict[str, float] = {"walk": 12.0, "easy": 7.0, "steady": 6.0, "tempo": 5.0}
