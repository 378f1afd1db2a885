"""Sound for videos: sound cards (text-to-audio models for silent video models), the sound stage, the AAC mux."""
