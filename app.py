from quiz import create_app

app = create_app()
