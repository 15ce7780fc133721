"""Faces that can be edited, but not well: too small or turned too far. The user is told, in words."""

from __future__ import annotations

import numpy as np

from emojigen.face.geometry import FaceFrame, yaw_degrees
from emojigen.notices import Notice

SMALL_FACE_EYES_PX = 40  # eyes closer than this: too little detail to edit well
TURNED_TOO_FAR = 30.0  # degrees of head turn beyond which the frontal moves look wrong


def face_quality_warnings(landmarks: np.ndarray) -> list[Notice]:
    """Say so when a face is too small or too turned to be edited well (it is still edited)."""
    warnings = []
    if FaceFrame.from_landmarks(landmarks).unit < SMALL_FACE_EYES_PX:
        warnings.append(Notice("small_face", "脸太小，表情细节可能不清晰；换一张脸更大的照片效果更好。",
                               "The face is small, so the expression may look soft; a closer photo works better."))
    yaw = yaw_degrees(landmarks)
    if abs(yaw) > TURNED_TOO_FAR:
        warnings.append(Notice("turned_face", f"脸侧转约 {abs(yaw):.0f}°，表情可能不自然；正脸照片效果最好。",
                               f"The head is turned about {abs(yaw):.0f}°, so the expression may look odd; "
                               "a frontal photo works best."))
    return warnings
