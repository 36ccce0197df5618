"""The professional network: members, profiles, posts, jobs, messages, connections."""
