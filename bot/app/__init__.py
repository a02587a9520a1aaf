"""The composition root and the running process: container, polling/webhook runner, web server, start-up checks."""
