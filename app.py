"""sandbox — the Gradio app and Hugging Face Space entry point.

Layout first, then events; every action has an ``api_name`` and its callback lives in ``sandbox/ui``.
Run with ``make run`` (or ``python app.py``).
"""

from __future__ import annotations

import gradio as gr

from sandbox import Sandbox
from sandbox.ui import create

sb = Sandbox()
default_model = sb.loader.default_model()
sb.loader.load(default_model)  # load once at start: the first request should not pay for it
personas = sb.identity.persona_handles()
d_width, d_height = default_model.size.for_aspect(default_model.resolutions[default_model.default_resolution],
                                                  "landscape 16:9")

with gr.Blocks(title="sandbox — every video is AI-made") as demo:
    # ---------------------------------------------------------------- header
    with gr.Row(equal_height=True):
        gr.Markdown("## 🎞️ sandbox <small>every video here is AI-made</small>")
        if personas:
            user = gr.Dropdown(personas, value=personas[0], label="Acting as", info="persona switcher", scale=0,
                               min_width=180)
        else:
            user = gr.Textbox("", label="user", visible=False)
            if sb.config.identity_mode == "hf":
                gr.LoginButton(scale=0)
    header = gr.Markdown(create.header_markdown(sb, personas[0] if personas else None))

    with gr.Tabs():
        # ------------------------------------------------------------ Create
        with gr.Tab("Create", id="create"):
            with gr.Row():
                with gr.Column(scale=3):
                    prompt = gr.Textbox(label="Prompt", lines=3, max_length=sb.config.max_prompt_chars,
                                        placeholder="Describe your video…")
                    gr.Examples(create.EXAMPLE_PROMPTS, inputs=[prompt], label="Try one")
                    negative_prompt = gr.Textbox("", label="Negative prompt", placeholder="what to avoid")
                    with gr.Row():
                        model = gr.Dropdown(create.model_choices(sb), value=default_model.id, label="Model", scale=2)
                        aspect = gr.Radio(create.ASPECT_NAMES, value="landscape 16:9", label="Aspect")
                        resolution = gr.Dropdown(list(default_model.resolutions),
                                                 value=default_model.default_resolution, label="Resolution")
                    model_info = gr.Markdown()
                    with gr.Accordion("Advanced", open=False):
                        with gr.Row():
                            seed = gr.Number(-1, label="Seed", precision=0, info="-1 = random")
                            randomize = gr.Button("🎲 random seed", scale=0)
                        num_frames = gr.Slider(default_model.frames.choices()[0], default_model.frames.max,
                                               value=default_model.frames.default,
                                               step=default_model.frames.multiple_of, label="Frames")
                        with gr.Row():
                            width = gr.Number(d_width, label="Width", precision=0)
                            height = gr.Number(d_height, label="Height", precision=0)
                        with gr.Row():
                            steps = gr.Slider(1, 100, value=default_model.steps, step=1, label="Steps")
                            guidance = gr.Slider(0, 20, value=default_model.guidance, step=0.5, label="Guidance")
                    with gr.Row():
                        generate_btn = gr.Button("Generate", variant="primary")
                        cancel_btn = gr.Button("Cancel", variant="stop")
                with gr.Column(scale=2):
                    video = gr.Video(label="Result", autoplay=True, loop=True, buttons=["download"],
                                     interactive=False)
                    details = gr.JSON(label="Details")
            gr.Markdown("### My drafts")
            drafts = gr.Gallery(label="My drafts", columns=6, height=220, object_fit="cover", show_label=False)

    # ---------------------------------------------------------------- events
    form = [num_frames, resolution, width, height, steps, guidance, model_info]
    demo.load(lambda m, a, r: create.form_for_model(sb, m, a, r), [model, aspect, resolution], form,
              api_visibility="private")
    model.change(lambda m, a, r: create.form_for_model(sb, m, a, r), [model, aspect, resolution], form,
                 api_visibility="private")
    gr.on([aspect.change, resolution.change], lambda m, a, r: create.size_for(sb, m, a, r),
          [model, aspect, resolution], [width, height], api_visibility="private")
    randomize.click(lambda: __import__("secrets").randbelow(2**31 - 1), None, seed, api_visibility="private")
    gr.on([user.change, model.change, demo.load], create.make_header(sb), [user, model], header,
          api_visibility="private")

    my_drafts = create.make_my_drafts(sb)
    gr.on([user.change, demo.load], my_drafts, [user], drafts, api_name="my_drafts")
    generate_event = generate_btn.click(
        create.make_generate(sb),
        [user, prompt, negative_prompt, seed, num_frames, width, height, steps, guidance, model],
        [video, details], api_name="generate", concurrency_limit=sb.config.generation_concurrency,
        concurrency_id="generation",
    ).success(my_drafts, [user], drafts, api_name="refresh_drafts", api_visibility="private")
    cancel_btn.click(None, cancels=[generate_event], api_visibility="private")


def launch() -> None:
    auth = sb.identity.check_password if sb.config.identity_mode == "password" else None
    demo.queue(default_concurrency_limit=8).launch(
        server_name=sb.config.host, server_port=sb.config.port, auth=auth,
        allowed_paths=[str(sb.config.media_dir.resolve())], theme=gr.themes.Soft(), footer_links=["api", "gradio"],
    )


if __name__ == "__main__":
    launch()
