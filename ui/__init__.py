"""The Gradio web app. Depends on emojigen; emojigen never imports this."""
