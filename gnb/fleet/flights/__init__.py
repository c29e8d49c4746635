"""Flight tracking: airport pickups follow the plane (a provider behind :mod:`.base`, chosen in :mod:`.registry`;
polling and the shifts it causes in :mod:`.tracking`)."""
