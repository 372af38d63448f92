-- Unleash keeps its own database on the same server.
CREATE DATABASE unleash OWNER switchboard;
