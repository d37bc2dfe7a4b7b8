"""On-site supervision (GB 30871 §4.10): the watcher proves presence at the work point.

``settings`` (per type and area, as data), ``tokens`` (rotating QR, one-time prompts),
``geofence`` (pyproj), ``liveness`` (rules over face features), ``signins`` (the use cases),
``presence`` (the watch over live work: re-confirmation, suspension, handover),
``prework`` (three taps and the voice memo), ``evidence`` (what the permit page shows).
"""
