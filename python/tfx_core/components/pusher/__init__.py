from tfx_core.components.pusher.component import Pusher

__all__ = ["Pusher"]
