"""Risk views over many jobs: heatmap, compliance, people, incidents, quarterly report.

Every aggregate here is one ``GROUP BY`` in the database over narrow, indexed columns
(local weekday/hour stamped on permits at application, compliance snapshots of finished
permits), written with SQLAlchemy expressions that run on SQLite and PostgreSQL alike.
Statistics on the few resulting cells (confidence intervals, correlation) use scipy.

Modules (imported by name, so importing the package stays cheap): ``slots`` (local
time keys), ``settings``, ``incidents``, ``heatmap``, ``snapshots``, ``compliance``,
``people``, ``quarter`` (report data), ``report`` (PDF), ``export`` (regulator).
"""
