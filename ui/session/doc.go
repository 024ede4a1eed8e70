// Package session is what a GAN Studio window holds apart from its
// widgets: the run it follows (History: steps, grids, phase, sample
// quality, compared runs), the plots drawn from it, the hyperparameters
// the set-up panel edits (Params) and the grids the window draws itself
// (DrawLab), the configuration being edited (Setup) and the data set
// previewed for it (DataSets). Nothing here imports Fyne, so all of it is tested without a
// window; the views in package ui show it.
package session
