"""The settings of each area, gathered into one base of kb.settings.Settings: staff sign-in
(kb/staff_settings.py), the queues (kb/delivery/queue_settings.py), the insights
(kb/insights_settings.py), the writer studio (kb/studio_settings.py), the help desks
(kb/helpdesk_settings.py) and the help widget (kb/widget_settings.py). Each area keeps its own
settings and checks; a new area adds its class here, so kb/settings.py stays short."""

from __future__ import annotations

import dataclasses

from kb.delivery.queue_settings import QueueSettings
from kb.helpdesk_settings import HelpdeskSettings
from kb.insights_settings import InsightsSettings
from kb.staff_settings import StaffSettings
from kb.studio_settings import StudioSettings
from kb.widget_settings import WidgetSettings


@dataclasses.dataclass(frozen=True)
class AreaSettings(
    QueueSettings, StaffSettings, InsightsSettings, StudioSettings, HelpdeskSettings, WidgetSettings
):
    """Every area's settings; `validate_areas` runs every area's checks."""

    def validate_areas(self, smtp_url: str) -> None:
        """Raise ConfigurationError naming the first setting of any area that is wrong."""
        self.validate_staff_settings()
        self.validate_queue_settings(smtp_url)
        self.validate_insights_settings()
        self.validate_studio_settings()
        self.validate_helpdesk_settings()
        self.validate_widget_settings()
