"""Face detection and 68-point landmarks (dlib)."""

from emojigen.face.detect import Detection, Face, FaceDetector
from emojigen.face.geometry import FaceFrame, yaw_degrees
from emojigen.face.identity import FaceIdentity

__all__ = ["Detection", "Face", "FaceDetector", "FaceFrame", "FaceIdentity", "yaw_degrees"]
