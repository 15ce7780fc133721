"""The page's words in Chinese and English. Gradio picks the language from the browser and the page's
Settings (footer) switch it; the words below are looked up in the browser, per visitor."""

from __future__ import annotations

import gradio as gr

from emojigen.spec import params

ZH = {
    "title": "# emojigen 表情包生成器",
    "intro": "上传一张脸部照片（或拍一张、选一个模板），写下你的心情，生成属于你的表情包、动图和整套表情包。"
             "语言：页面底部「设置」可切换。",
    "pick_face": "选一张脸", "templates": "模板", "no_template": "不用模板",
    "text_placeholder": "开心大笑 / 气死我了 / surprised", "examples": "试试",
    "style_photo": "照片", "style_cartoon": "卡通", "style_sketch": "素描", "style_pixel": "像素",
    "style_meme": "黑白表情包",
    "advanced": "高级选项", "seed_placeholder": "留空每次随机", "dice": "🎲 随机",
    "caption_placeholder": "留空自动配字", "no_caption": "不要配字",
    "platform_info": "按该平台的限制导出", "no_platform": "不指定",
    "generate": "生成", "animate": "生成动图",
    "sticker": "表情包", "animated": "动图",
    "download_png": "下载 PNG", "download_animation": "下载动图 GIF", "download_platform": "下载平台文件",
    "rate": "给这张打分", "rate_info": "1–5 星，帮助我们改进",
    "pack": "整套表情包", "make_pack": "生成整套", "preview": "预览", "download_zip": "下载 ZIP",
    "details": "详情", "log": "处理日志", "history": "本次历史", "stats": "评分统计", "refresh": "刷新",
    "diffusion": "扩散模型 Stable Diffusion", "lora_info": "可多选",
    "fine_tune": "微调表情", "fine_tune_info": "在心情之上再调眉毛、眼睛和嘴；都在 0 时不改变。",
}

EN = {
    "title": "# emojigen sticker maker",
    "intro": "Upload a face photo (or take one, or pick a template), type how you feel, and get stickers, "
             "animated stickers and whole packs. Language: Settings, at the bottom of the page.",
    "pick_face": "Pick a face", "templates": "Templates", "no_template": "No template",
    "text_placeholder": "laughing / so angry / 开心大笑", "examples": "Try",
    "style_photo": "Photo", "style_cartoon": "Cartoon", "style_sketch": "Sketch", "style_pixel": "Pixel",
    "style_meme": "Meme (black and white)",
    "advanced": "Advanced", "seed_placeholder": "empty: a new one each time", "dice": "🎲 Random",
    "caption_placeholder": "empty: an automatic caption", "no_caption": "No caption",
    "platform_info": "export within this app's limits", "no_platform": "None",
    "generate": "Generate", "animate": "Animate",
    "sticker": "Sticker", "animated": "Animated",
    "download_png": "Download PNG", "download_animation": "Download GIF", "download_platform": "Download platform file",
    "rate": "Rate this sticker", "rate_info": "1-5 stars, it helps us improve",
    "pack": "Sticker pack", "make_pack": "Make pack", "preview": "Preview", "download_zip": "Download ZIP",
    "details": "Details", "log": "Processing log", "history": "This session's stickers", "stats": "Ratings",
    "refresh": "Refresh",
    "diffusion": "Stable Diffusion", "lora_info": "several at once",
    "fine_tune": "Fine-tune", "fine_tune_info": "Brows, eyes and mouth on top of the feeling; all at 0 change nothing.",
}

# Each request field's label and help come from its declaration (emojigen/spec.py): field_<name>, info_<name>.
for _name, _param in params().items():
    ZH[f"field_{_name}"], EN[f"field_{_name}"] = _param.zh, _param.en
    ZH[f"info_{_name}"], EN[f"info_{_name}"] = _param.help_zh, _param.help_en

assert ZH.keys() == EN.keys(), "every word needs both languages"

I18N = gr.I18n(en=EN, zh=ZH)
t = I18N  # t("generate") -> the word in the visitor's language
