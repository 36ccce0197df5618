"""The job-seeker chat's understanding: which postings may be cited and how a question
filters them (`openings`), places (`places`), slot values found by rules (`slots`), and
the intent read by a model's constrained choice or by rules (`understand`). The
conversation itself is `features.chatbot`."""
