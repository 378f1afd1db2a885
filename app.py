"""sandbox — the Gradio app and Hugging Face Space entry point.

Layout first, then events; every action has an ``api_name`` and its callback lives in ``sandbox/ui``.
Run with ``make run`` (or ``python app.py``).
"""

from __future__ import annotations

import gradio as gr

from sandbox import Sandbox
from sandbox.errors import ModelUnavailable
from sandbox.social.seed import seed_world
from sandbox.ui import cameo, create, profile, remix, social, verify
from sandbox.ui import feed as feed_ui

sb = Sandbox()
default_model = sb.loader.default_model()
try:
    sb.loader.load(default_model)  # load once at start: the first request should not pay for it
except ModelUnavailable as exc:  # say it at start; every other tab keeps working, /generate says it again
    print(f"WARNING: {exc}", flush=True)
seed_world(sb)  # personas mode: a few demo posts so the feed is never empty
personas = sb.identity.persona_handles()
d_width, d_height = default_model.size.for_aspect(default_model.resolutions[default_model.default_resolution],
                                                  default_model.default_aspect)

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

    with gr.Tabs() as tabs:
        # ------------------------------------------------------------ Create
        with gr.Tab("Create", id="create"):
            with gr.Row():
                with gr.Column(scale=3):
                    prompt = gr.Textbox(label="Prompt", lines=3, max_length=sb.config.max_prompt_chars,
                                        placeholder="Describe your video…")
                    gr.Examples(create.EXAMPLE_PROMPTS, inputs=[prompt], label="Try one")
                    cameo_pick = gr.Dropdown([], value=[], multiselect=True, max_choices=2, label="Cast cameos",
                                             allow_custom_value=True,
                                             info="people who let you cast them · or write @handle in the prompt")
                    negative_prompt = gr.Textbox("", label="Negative prompt", placeholder="what to avoid")
                    with gr.Row():
                        model = gr.Dropdown(create.model_choices(sb), value=default_model.id, label="Model", scale=2)
                        aspect = gr.Radio(create.ASPECT_NAMES, value=default_model.default_aspect, label="Aspect")
                        resolution = gr.Dropdown(list(default_model.resolutions),
                                                 value=default_model.default_resolution, label="Resolution")
                    model_info = gr.Markdown()
                    preset = gr.Radio(["quality", *default_model.presets], value="quality", label="Preset",
                                      info="fast: fewer steps, from the model card")
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
                    with gr.Group():
                        with gr.Row():
                            draft_id = gr.Textbox(label="Draft to publish", placeholder="d_…", scale=1)
                            remix_policy = gr.Radio(["everyone", "friends", "nobody"], value="everyone",
                                                    label="Who may remix", scale=2)
                        caption = gr.Textbox(label="Caption", max_length=300, placeholder="Say something about it")
                        publish_btn = gr.Button("Publish to the feed", variant="secondary")
                    details = gr.JSON(label="Details", open=False)
            gr.Markdown("### My drafts")
            drafts = gr.Gallery(label="My drafts", columns=6, height=220, object_fit="cover", show_label=False)

        # ------------------------------------------------------------ Cameo
        with gr.Tab("Cameo", id="cameo") as cameo_tab:
            gr.Markdown(cameo.INTRO)
            with gr.Row():
                with gr.Column():
                    challenge = gr.Markdown(cameo.challenge_markdown())
                    clip = gr.Video(sources=["webcam", "upload"], label="Your clip (3–15 s, only you)",
                                    include_audio=True)
                    with gr.Row():
                        new_challenge_btn = gr.Button("🔁 new challenge", size="sm")
                        sample_btn = gr.Button("🧑‍🚀 use a sample clip", size="sm")
                    create_cameo_btn = gr.Button("Verify and create my cameo", variant="primary")
                    cameo_report = gr.Markdown()
                    cameo_details = gr.JSON(label="Details", open=False, visible=False)
                with gr.Column():
                    gr.Markdown("### My cameo")
                    cameo_status = gr.Markdown()
                    references = gr.Gallery(label="Reference crops (private, never served)", columns=3,
                                            height=140, object_fit="contain")
                    policy = gr.Radio(cameo.POLICY_CHOICES, value="only_me", label="Who may use it")
                    approved = gr.Dropdown(personas, value=[], multiselect=True, allow_custom_value=True,
                                           label="People I approve")
                    instructions = gr.Textbox(label="Instructions added to every prompt with my cameo",
                                              max_length=200,
                                              placeholder="e.g. always wearing a hat · nothing political")
                    paused = gr.Checkbox(label="Pause: nobody else may use it for now")
                    save_cameo_btn = gr.Button("Save settings")
                    with gr.Accordion("Revoke someone, or delete my cameo", open=False):
                        with gr.Row():
                            revoke_handle = gr.Textbox(label="Handle to revoke", placeholder="ben", scale=3)
                            revoke_btn = gr.Button("Revoke", variant="stop", scale=0)
                        delete_cameo_btn = gr.Button("Delete my cameo and every video that uses it", variant="stop")
            gr.Markdown("### Used in — every draft and post, by anyone, that shows my cameo")
            uses_gallery = gr.Gallery(show_label=False, columns=5, height=220, object_fit="cover")
            with gr.Row():
                use_pick = gr.Dropdown([], label="Video to remove", scale=4)
                delete_use_btn = gr.Button("Delete this video everywhere", variant="stop", scale=1)

        # ------------------------------------------------------------ Remix
        with gr.Tab("Remix", id="remix"):
            with gr.Row():
                with gr.Column():
                    remix_post = gr.Textbox(label="Post to remix",
                                            placeholder="p_… — or press 🔁 remix on a feed card")
                    original = gr.Video(label="Original", autoplay=True, loop=True, interactive=False)
                    original_md = gr.Markdown()
                with gr.Column():
                    remix_prompt = gr.Textbox(label="What should change?", lines=2,
                                              max_length=sb.config.max_prompt_chars,
                                              placeholder="e.g. a blue circle moving right on a black background")
                    remix_mode = gr.Radio(remix.MODE_CHOICES, value="restyle", label="Mode")
                    keep = gr.Slider(0, 1, value=0.5, step=0.05, label="How much of the original to keep")
                    with gr.Row():
                        remix_cameos = gr.Dropdown([], value=[], multiselect=True, max_choices=2,
                                                   allow_custom_value=True, label="Cameo (recast)", scale=2)
                        remix_seed = gr.Number(-1, label="Seed", precision=0, scale=1)
                    remix_btn = gr.Button("Remix", variant="primary")
                    remix_video = gr.Video(label="Your remix", autoplay=True, loop=True, interactive=False)
                    remix_details = gr.JSON(label="Details", open=False)
                    with gr.Row():
                        remix_caption = gr.Textbox(label="Caption", max_length=300, scale=3)
                        remix_own_policy = gr.Radio(["everyone", "friends", "nobody"], value="everyone",
                                                    label="Who may remix yours", scale=2)
                    remix_publish_btn = gr.Button("Publish remix")
            gr.Markdown("### Lineage — where this video comes from and what it became")
            with gr.Row():
                lineage_plot = gr.Plot(show_label=False)
                lineage_md = gr.Markdown()

        # ------------------------------------------------------------ Feed
        with gr.Tab("Feed", id="feed") as feed_tab:
            with gr.Row():
                instruction = gr.Textbox(label="Steer your feed", scale=4, max_length=200,
                                         placeholder="e.g. more animals, less sport · only my friends today")
                steer_btn = gr.Button("Apply", scale=0)
            understood = gr.Markdown()
            notice = gr.Markdown()
            feed_items = gr.State([])
            with gr.Accordion("Ranking weights (tune and watch the order change)", open=False):
                weight_inputs = [gr.Slider(lo, hi, value=getattr(feed_ui.FeedWeights(), name), step=step, label=label)
                                 for name, (label, lo, hi, step) in feed_ui.WEIGHT_SLIDERS.items()]
                ranking_table = gr.Dataframe(label="Order with these weights", interactive=False, wrap=True)
            with gr.Accordion("Feed analytics", open=False):
                analytics_btn = gr.Button("Compute metrics over every persona's feed")
                analytics_plot = gr.Plot(label="Feed metrics")
                analytics_table = gr.Dataframe(interactive=False)

            @gr.render(inputs=[feed_items, user])
            def feed_cards(items: list[dict], acting: str):
                if not items:
                    gr.Markdown("_Nothing here yet — follow people in the Profile tab or publish from Create._")
                for item in items:
                    with gr.Group(), gr.Row(equal_height=False):
                        gr.Video(item["video"], autoplay=False, loop=True, show_label=False, height=220,
                                 interactive=False, scale=1)
                        with gr.Column(scale=2):
                            gr.Markdown(feed_ui.card_markdown(item))
                            post = gr.State(item["post_id"])
                            with gr.Row():
                                like_btn = gr.Button(f"❤️ {item['likes']}", size="sm", min_width=60)
                                less_btn = gr.Button("👎 see less", size="sm", min_width=60)
                                report_btn = gr.Button("🚩 report", size="sm", min_width=60)
                                if item.get("remix_allowed"):
                                    remix_card_btn = gr.Button("🔁 remix", size="sm", min_width=60)
                                    remix_card_btn.click(lambda pid=item["post_id"]: (pid, gr.Tabs(selected="remix")),
                                                         None, [remix_post, tabs], api_visibility="private")
                            comment_box = gr.Textbox(placeholder="Add a comment…", show_label=False, max_length=500,
                                                     submit_btn="💬")
                    like_btn.click(feed_ui.make_card_action(sb, "like"), [user, post], None, api_visibility="private")
                    less_btn.click(feed_ui.make_card_action(sb, "see_less"), [user, post], None,
                                   api_visibility="private")
                    comment_box.submit(feed_ui.make_card_action(sb, "comment"), [user, post, comment_box],
                                       comment_box, api_visibility="private")
                    report_btn.click(feed_ui.make_card_action(sb, "report"), [user, post], None,
                                     api_visibility="private")

            load_more_btn = gr.Button("Load more", variant="secondary")

        # ------------------------------------------------------------ Verify
        with gr.Tab("Verify", id="verify"):
            gr.Markdown("Upload any video: see whether it carries valid **Content Credentials**, what they claim "
                        "(AI-made, model, creator, remix chain), and whether it was made in this sandbox — also "
                        "after the credentials were stripped and the video re-encoded.")
            with gr.Row():
                verify_file = gr.File(label="Video", file_types=["video"], type="filepath")
                with gr.Column():
                    verify_summary = gr.Markdown()
                    verify_report = gr.JSON(label="Full report", open=False)
            verify_btn = gr.Button("Verify", variant="primary")

        # ------------------------------------------------------------ Moderation (admins)
        with gr.Tab("Reports", id="reports") as reports_tab:
            gr.Markdown("Reported posts wait here for an admin (persona **@mod**). Anyone can report a post "
                        "from the Feed tab; it disappears from the reporter's feed at once.")
            reports_table = gr.JSON(label="Open reports")
            with gr.Row():
                report_id = gr.Number(label="Report id", precision=0)
                report_action = gr.Radio(["take_down", "dismiss"], value="take_down", label="Action")
                resolve_btn = gr.Button("Apply")

        # ------------------------------------------------------------ Profile
        with gr.Tab("Profile", id="profile") as profile_tab:
            with gr.Row():
                profile_handle = gr.Textbox(label="Handle", placeholder="leave empty for yourself", scale=3)
                show_profile_btn = gr.Button("Show", scale=0)
            with gr.Row():
                follow_btn = gr.Button("Follow")
                unfollow_btn = gr.Button("Unfollow")
                block_btn = gr.Button("Block", variant="stop")
            profile_md = gr.Markdown()
            with gr.Accordion("Delete one of my posts", open=False):
                with gr.Row():
                    delete_post_id = gr.Textbox(label="Post id", placeholder="p_…", scale=3)
                    delete_post_btn = gr.Button("Delete post", variant="stop", scale=0)
            with gr.Row():
                with gr.Column():
                    gr.Markdown("### 🔔 Notifications")
                    notifications_md = gr.Markdown()
                with gr.Column():
                    gr.Markdown("### ✉️ Invite a friend")
                    invites_md = gr.Markdown()
                    with gr.Accordion("Sign up with an invite code", open=False):
                        signup_code = gr.Textbox(label="Invite code")
                        signup_handle = gr.Textbox(label="Handle", placeholder="3–20 of a–z 0–9 _")
                        signup_name = gr.Textbox(label="Display name")
                        signup_btn = gr.Button("Create account")
                        signup_result = gr.Markdown()

    # ---------------------------------------------------------------- events
    # API-only endpoints first, so they own their names: every social, feed and moderation action
    moderation = verify.moderation_functions(sb)
    for api_name, fn in {**social.api_functions(sb), **moderation, **cameo.api_functions(sb)}.items():
        gr.api(fn, api_name=api_name)
    gr.api(remix.make_lineage(sb), api_name="lineage")

    form = [num_frames, resolution, width, height, steps, guidance, model_info, preset]
    demo.load(lambda m, a, r: create.form_for_model(sb, m, a, r), [model, aspect, resolution], form,
              api_visibility="private")
    model.change(lambda m, a, r: create.form_for_model(sb, m, a, r), [model, aspect, resolution], form,
                 api_visibility="private")
    gr.on([aspect.change, resolution.change], lambda m, a, r: create.size_for(sb, m, a, r),
          [model, aspect, resolution], [width, height], api_visibility="private")
    preset.input(lambda m, p: create.preset_values(sb, m, p), [model, preset], [steps, guidance],
                 api_visibility="private")
    randomize.click(lambda: __import__("secrets").randbelow(2**31 - 1), None, seed, api_visibility="private")
    gr.on([user.change, model.change, demo.load], create.make_header(sb), [user, model], header,
          api_visibility="private")

    my_drafts = create.make_my_drafts(sb)
    gr.on([user.change, demo.load], my_drafts, [user], drafts, api_name="my_drafts")
    generate_event = generate_btn.click(
        create.make_generate(sb),
        [user, prompt, negative_prompt, seed, num_frames, width, height, steps, guidance, model, preset, cameo_pick],
        [video, details], api_name="generate", concurrency_limit=sb.config.generation_concurrency,
        concurrency_id="generation",
    ).success(my_drafts, [user], drafts, api_name="refresh_drafts", api_visibility="private")
    cancel_btn.click(None, cancels=[generate_event], api_visibility="private")
    generate_event.success(lambda d: d["draft_id"], details, draft_id, api_visibility="private")
    user.change(lambda: ("", None, None), None, [draft_id, video, details], api_visibility="private")  # not theirs
    publish_btn.click(profile.make_publish(sb), [user, draft_id, caption, remix_policy], None,
                      api_visibility="private")

    gr.on([user.change, demo.load, cameo_tab.select], cameo.usable_choices(sb), [user], cameo_pick,
          api_visibility="private")

    # Remix
    open_original = remix.make_open(sb)
    remix_post.change(open_original, [user, remix_post], [original, original_md, lineage_plot, lineage_md],
                      api_visibility="private")
    gr.on([user.change, demo.load], cameo.usable_choices(sb), [user], remix_cameos, api_visibility="private")
    remix_btn.click(remix.make_remix(sb), [user, remix_post, remix_prompt, remix_mode, keep, remix_seed, remix_cameos],
                    [remix_video, remix_details], api_name="remix", concurrency_limit=sb.config.generation_concurrency,
                    concurrency_id="generation")
    remix_publish_btn.click(remix.make_publish_remix(sb), [user, remix_details, remix_caption, remix_own_policy],
                            None,
                            api_visibility="private").then(open_original, [user, remix_post],
                                                           [original, original_md, lineage_plot, lineage_md],
                                                           api_visibility="private")

    # Cameo
    panel = cameo.make_panel(sb)
    panel_outputs = [cameo_status, references, policy, approved, instructions, paused, uses_gallery, use_pick]
    gr.on([cameo_tab.select, user.change], panel, [user], panel_outputs, api_visibility="private")
    new_challenge_btn.click(cameo.challenge_markdown, None, challenge, api_visibility="private")
    sample_btn.click(cameo.sample_clip, None, clip, api_visibility="private")
    create_cameo_btn.click(cameo.make_create(sb), [user, clip, challenge], [cameo_report, cameo_details],
                           api_name="cameo_create").then(panel, [user], panel_outputs, api_visibility="private")
    save_cameo_btn.click(cameo.make_save_settings(sb), [user, policy, approved, instructions, paused], None,
                         api_visibility="private").then(panel, [user], panel_outputs, api_visibility="private")
    for btn, action, arg in ((delete_use_btn, "delete_use", use_pick), (revoke_btn, "revoke", revoke_handle),
                             (delete_cameo_btn, "delete", None)):
        btn.click(cameo.make_owner_action(sb, action), [user, arg] if arg else [user], None,
                  api_visibility="private").then(panel, [user], panel_outputs, api_visibility="private")

    # Feed
    feed_load = feed_ui.make_load(sb)
    gr.on([feed_tab.select, steer_btn.click, instruction.submit, user.change], feed_load,
          [user, instruction, *weight_inputs], [feed_items, understood, notice], api_visibility="private")
    load_more_btn.click(feed_ui.make_load_more(sb), [user, instruction, feed_items, *weight_inputs],
                        [feed_items, notice], api_visibility="private")
    gr.on([w.release for w in weight_inputs] + [feed_tab.select, steer_btn.click], feed_ui.make_preview(sb),
          [user, instruction, *weight_inputs], ranking_table, api_visibility="private")
    analytics_btn.click(feed_ui.make_analytics(sb), [instruction, *weight_inputs], [analytics_plot, analytics_table],
                        api_visibility="private")

    # Profile
    show = profile.make_show(sb)
    gr.on([profile_tab.select, show_profile_btn.click, profile_handle.submit, user.change], show,
          [user, profile_handle], [profile_md, notifications_md, invites_md], api_visibility="private")
    for btn, action in ((follow_btn, "follow"), (unfollow_btn, "unfollow"), (block_btn, "block")):
        btn.click(profile.make_graph_action(sb, action), [user, profile_handle], None,
                  api_visibility="private").then(show, [user, profile_handle],
                                                 [profile_md, notifications_md, invites_md], api_visibility="private")
    delete_post_btn.click(profile.make_delete_post(sb), [user, delete_post_id], None,
                          api_visibility="private").then(show, [user, profile_handle],
                                                         [profile_md, notifications_md, invites_md],
                                                         api_visibility="private")
    signup_btn.click(profile.make_signup(sb), [signup_code, signup_handle, signup_name], [signup_result, user],
                     api_visibility="private")

    # Verify and reports
    verify_btn.click(verify.make_verify(sb), [user, verify_file], [verify_summary, verify_report], api_name="verify")
    reports_view = verify.make_reports_view(sb)
    gr.on([reports_tab.select, user.change], reports_view, [user], reports_table, api_visibility="private")
    resolve_btn.click(moderation["resolve_report"], [user, report_id, report_action], None,
                      api_visibility="private").then(reports_view, [user], reports_table, api_visibility="private")



def launch() -> None:
    auth = sb.identity.check_password if sb.config.identity_mode == "password" else None
    demo.queue(default_concurrency_limit=8).launch(
        server_name=sb.config.host, server_port=sb.config.port, auth=auth,
        allowed_paths=[str(sb.config.media_dir.resolve())], blocked_paths=[str(sb.config.private_dir.resolve())],
        theme=gr.themes.Soft(), footer_links=["api", "gradio"],
    )


if __name__ == "__main__":
    launch()
