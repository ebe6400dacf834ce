tmux_session() { :; }
