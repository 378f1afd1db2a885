"""The thin Gradio layer: parse inputs, call the domain, format outputs, turn refusals into ``gr.Error``."""
