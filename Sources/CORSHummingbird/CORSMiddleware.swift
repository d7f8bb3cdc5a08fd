import CORS
