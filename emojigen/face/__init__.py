"""Face detection and 68-point landmarks (dlib)."""

from emojigen.face.detect import Detection, Face, FaceDetector
from emojigen.face.geometry import FaceFrame, yaw_degrees

__all__ = ["Detection", "Face", "FaceDetector", "FaceFrame", "yaw_degrees"]
