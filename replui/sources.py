"""The published write-ups replui's repairs follow, as advice, a step's *why*
and plan summaries cite them: title first, then author (or publisher) and
year. docs/sources.md lists them with what replui takes from each."""

#: Chameleon Cloud's operations runbook for its replication alert: a network break,
#: rows written on the replica.
REPLICATION_ERROR = "'MySQL Replication Error' (Chameleon Cloud runbook)"

#: Max Manders' blog post on repairing a master⇄master pair by hand, crosswise.
MULTI_MASTER = "'Fixing MySQL Multi-Master Replication' (Max Manders, 2010)"

#: Jo Vandeginste's blog post on an active-active pair after a hard power-off: a cut binlog,
#: a corrupt relay log.
CRASH_RESYNC = (
    "'How to get an active-active MySQL setup back in sync after hard crash' (Jo Vandeginste, 2016)"
)

#: Charles Roth's tech-blog article on paired hosts with a second instance on port 3307 and a heartbeat table.
CAUCUS = "'MySQL Replication and Caucus' (Charles Roth, 2014)"

#: The Secondhand Rails application's notes on setting up a source and replica, their errors,
#: and failing over.
RAILS_FAILOVER = "'Fail over MySQL and Rails' (Secondhand application notes, 2016)"
